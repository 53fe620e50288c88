package prompts

import (
	"io/fs"
	"testing/fstest"
)

// EditableCopy returns the embedded prompt files as an in-memory file system
// that can be changed and loaded (to try an edit, or in tests).
func EditableCopy() (fstest.MapFS, error) {
	m := fstest.MapFS{}
	err := fs.WalkDir(FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := FS.ReadFile(path)
		if err != nil {
			return err
		}
		m[path] = &fstest.MapFile{Data: b}
		return nil
	})
	return m, err
}
