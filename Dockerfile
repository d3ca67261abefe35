# dealer-tck in a small image: the release binary on Debian slim, run as a non-root user.
#   docker build -t dealer-tck .
#   docker run --rm -v "$PWD:/work" -w /work dealer-tck run --profile tck.toml --out reports
# README.md, "CI", uses it in a GitLab CI job.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin dealer-tck

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 tck
COPY --from=build /src/target/release/dealer-tck /usr/local/bin/dealer-tck
USER tck
WORKDIR /home/tck
ENTRYPOINT ["dealer-tck"]
CMD ["--help"]
