# Talenti: one image, four commands (api, worker, scheduler, talenti-ops).
# Multi-stage: the Rust build, libpdfium from the same pinned pypdfium2 wheel
# as scripts/pdfium.sh (checksum checked), then a slim runtime.
#
#   docker build -t talenti .
#   docker compose -f deploy/compose.yaml up
#
# Not built on the development machine (it has no Docker daemon); see the
# README, "Deploying".

FROM rust:1.95-bookworm AS build
WORKDIR /src
RUN apt-get update -qq && apt-get install -y -qq python3-pip >/dev/null && rm -rf /var/lib/apt/lists/*
COPY . .
# .sqlx/ holds the checked query data: no database needed to build.
ENV SQLX_OFFLINE=true
RUN scripts/pdfium.sh >/dev/null \
 && cargo build --release --locked -p api -p worker -p scheduler -p ops \
 && mkdir -p /out \
 && cp target/release/api target/release/worker target/release/scheduler target/release/talenti-ops /out/ \
 && cp vendor/pdfium/libpdfium.so /out/

FROM debian:bookworm-slim
RUN apt-get update -qq && apt-get install -y -qq ca-certificates tesseract-ocr >/dev/null && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /var/lib/talenti --create-home talenti
COPY --from=build /out/api /out/worker /out/scheduler /out/talenti-ops /usr/local/bin/
COPY --from=build /out/libpdfium.so /usr/local/lib/libpdfium.so
ENV PDFIUM_LIB_PATH=/usr/local/lib/libpdfium.so \
    TALENTI_STORAGE_URL=/var/lib/talenti/uploads \
    TALENTI_MAIL_OUTBOX=/var/lib/talenti/outbox \
    TALENTI_LOG_FORMAT=json
USER talenti
WORKDIR /var/lib/talenti
EXPOSE 8080 9464
CMD ["api"]
