# syntax=docker/dockerfile:1
# Build a static binary, then ship it alone in a minimal, non-root image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/rotor ./cmd/rotor

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rotor /usr/local/bin/rotor
USER nonroot:nonroot
ENV ROTOR_ADDR=:8080
EXPOSE 8080
# No shell or curl in the image: the binary checks itself.
HEALTHCHECK --interval=15s --timeout=4s --start-period=10s --retries=3 CMD ["/usr/local/bin/rotor", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/rotor"]
CMD ["serve"]
