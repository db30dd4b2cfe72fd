# cw-exporter image: docker build -t cw-exporter:0.1.0 .
# (Not built in CI: these machines have no Docker engine.)
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked && strip target/release/cw-exporter

# glibc, CA certificates, a non-root user (65532), and nothing else.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/cw-exporter /usr/local/bin/cw-exporter
USER 65532:65532
EXPOSE 5000
ENTRYPOINT ["/usr/local/bin/cw-exporter"]
CMD ["--config.file=/etc/cw-exporter/config.yml"]
