# jembatan in a container. Build: `docker build -t jembatan .`; run: see docs/deploy.md.
# Every step here is also run by .ci/prod-smoke (the same production install and start command in
# a scratch copy, which must answer /healthz): keep the two in step.

# --- build: production dependencies only (better-sqlite3 is compiled here if no prebuilt fits) ---
FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# --- runtime: no compilers, a non-root user, the database on a volume ---
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    DATABASE_PATH=/data/jembatan.sqlite
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json manifest.json ./
COPY src ./src
COPY db/migrations ./db/migrations
COPY prompts ./prompts
COPY knowledge ./knowledge
# Owner-only: the database holds names, numbers and transcripts.
RUN install -d -m 0700 -o node -g node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The service itself is PID 1 and receives SIGTERM (no npm or shell in between): it answers
# webhooks 503 while it drains, releases unfinished jobs and exits 0. tsx is an in-process loader.
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "src/main.ts"]
