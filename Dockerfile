# syntax=docker/dockerfile:1
# Build a static binary, then ship it alone in a minimal, non-root image.
# Bases pinned by digest (as published for golang:1.26.8-bookworm and
# distroless static-debian12:nonroot); refresh with
# `docker buildx imagetools inspect <image:tag>`.
FROM golang:1.26.8-bookworm@sha256:9fdc884aacc3bec89b20ffc69f4bb369c78210e3e4f600387b5128b12c199f81 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/rotor ./cmd/rotor

FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab
COPY --from=build /out/rotor /usr/local/bin/rotor
USER nonroot:nonroot
ENV ROTOR_ADDR=:8080
EXPOSE 8080
# No shell or curl in the image: the binary checks itself.
HEALTHCHECK --interval=15s --timeout=4s --start-period=10s --retries=3 CMD ["/usr/local/bin/rotor", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/rotor"]
CMD ["serve"]
