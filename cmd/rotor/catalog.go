package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/intake"
)

// loadCatalogDir merges an organisation's catalogue directory over the
// built-in catalogue and checks that the names lexicon still resolves
// every provider against it.
func loadCatalogDir(dir string) (*catalog.Catalog, []catalog.Shadow, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog directory %s: %w", dir, err)
	}
	if !info.IsDir() {
		return nil, nil, fmt.Errorf("catalog directory %s: not a directory", dir)
	}
	c, shadows, err := catalog.LoadDir(catalog.Builtin(), os.DirFS(dir), filepath.Clean(dir))
	if err != nil {
		return nil, nil, err
	}
	if err := intake.CheckNames(c); err != nil {
		return nil, nil, fmt.Errorf("catalog directory %s: %w", dir, err)
	}
	return c, shadows, nil
}

// installCatalog loads ROTOR_CATALOG_DIR at start, when it is set, and makes
// it the process's catalogue; a broken directory stops the start.
func installCatalog(cfg config, log *slog.Logger, stderr io.Writer) int {
	if cfg.CatalogDir == "" {
		return exitOK
	}
	c, shadows, err := loadCatalogDir(cfg.CatalogDir)
	if err != nil {
		fmt.Fprintln(stderr, "rotor: ROTOR_CATALOG_DIR:", err)
		return exitUsage
	}
	for _, s := range shadows {
		log.Info("organisation catalogue entry takes precedence over a built-in one", "file", s.File, "what", s.What, "id", s.ID, "builtin_provider", s.Builtin)
	}
	catalog.Install(c)
	log.Info("organisation catalogue loaded", "dir", cfg.CatalogDir, "providers", len(c.Providers))
	return exitOK
}

const catalogUsage = `Usage:
  rotor catalog check DIR          check the provider files of DIR as ROTOR_CATALOG_DIR would load them
  rotor catalog list [-f text|json] every provider entry: built-in, and ROTOR_CATALOG_DIR's when set
`

func catalogCmd(args []string, cfg config, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, catalogUsage)
		return exitUsage
	}
	switch args[0] {
	case "check":
		if len(args) != 2 {
			fmt.Fprint(stderr, catalogUsage)
			return exitUsage
		}
		c, shadows, err := loadCatalogDir(args[1])
		if err != nil {
			var de *catalog.DirError
			if errors.As(err, &de) {
				fmt.Fprintf(stderr, "rotor: catalog %s: %d problem(s)\n", de.Dir, len(de.Problems))
				for _, p := range de.Problems {
					fmt.Fprintln(stderr, "  "+p)
				}
			} else {
				fmt.Fprintln(stderr, "rotor:", err)
			}
			return exitFailure
		}
		org := 0
		for _, p := range c.Providers {
			if p.Origin != catalog.OriginBuiltin {
				org++
			}
		}
		fmt.Fprintf(stdout, "%s: ok: %d provider file(s), checked with the built-in catalogue\n", args[1], org)
		for _, s := range shadows {
			fmt.Fprintln(stdout, "  "+s.String())
		}
		return exitOK
	case "list":
		fs := flag.NewFlagSet("catalog list", flag.ContinueOnError)
		fs.SetOutput(stderr)
		format := fs.String("f", "text", "output format: text or json")
		if err := fs.Parse(args[1:]); err != nil {
			return exitUsage
		}
		c := catalog.Builtin()
		if cfg.CatalogDir != "" {
			var err error
			if c, _, err = loadCatalogDir(cfg.CatalogDir); err != nil {
				fmt.Fprintln(stderr, "rotor: ROTOR_CATALOG_DIR:", err)
				return exitUsage
			}
		}
		return listCatalog(c, *format, stdout, stderr)
	}
	fmt.Fprintf(stderr, "rotor: unknown catalog command %q\n\n%s", args[0], catalogUsage)
	return exitUsage
}

// listedEntry is one line of `rotor catalog list`.
type listedEntry struct {
	Provider string `json:"provider"`
	ID       string `json:"id"`
	Title    string `json:"title"`
	Strategy string `json:"strategy"`
	MaxLive  int    `json:"max_live"`
	Origin   string `json:"origin"`
}

func listCatalog(c *catalog.Catalog, format string, stdout, stderr io.Writer) int {
	var rows []listedEntry
	for _, p := range c.Providers {
		for _, cr := range p.Credentials {
			rows = append(rows, listedEntry{Provider: p.ID, ID: cr.ID, Title: cr.Title, Strategy: string(cr.Strategy), MaxLive: cr.MaxLive, Origin: p.Origin})
		}
	}
	switch format {
	case "json":
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			fmt.Fprintln(stderr, "rotor:", err)
			return exitFailure
		}
	case "text":
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "PROVIDER\tENTRY\tSTRATEGY\tLIVE\tFROM")
		for _, r := range rows {
			live := fmt.Sprint(r.MaxLive)
			if r.MaxLive == 0 {
				live = "?"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.Provider, r.ID, r.Strategy, live, r.Origin)
		}
		if err := w.Flush(); err != nil {
			return exitFailure
		}
	default:
		fmt.Fprintf(stderr, "rotor: catalog list: -f %q must be text or json\n", format)
		return exitUsage
	}
	return exitOK
}
