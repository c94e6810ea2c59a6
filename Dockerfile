# syntax=docker/dockerfile:1
# Checkout service image: build with dev dependencies, run with production dependencies only.
# Node 22.22.3 is the minimum of package.json's engines (the Nest CLI's dependencies refuse older 22.x);
# both stages name it, and src/config/node-engines.spec.ts checks that they do.

# ---- build ----
FROM node:22.22.3-bookworm-slim AS build
WORKDIR /app
ENV CI=true
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# Only what `npm run build` needs: nest build, then its postbuild script (a host's node_modules/, dist/ or
# .data/ never enters the image). `npm run check:image` runs these stages without Docker.
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY scripts/write-dist-entry.js ./scripts/
COPY src ./src
COPY migrations ./migrations
RUN npm run build

# ---- runtime ----
FROM node:22.22.3-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
RUN chown node:node /app
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --chown=node:node --from=build /app/dist ./dist
# The demo page served at / (static files, no build step).
COPY --chown=node:node public ./public
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# A young generation of 8 MB per semi-space instead of 16: RSS ≈ 141 MB instead of ≈ 155 MB in the first
# seconds and a lower peak under load; once idle both settle at ≈ 115 MB (bench/RESULTS.md). The same flag
# as `npm start` and the benchmarks (deployment-files.spec.ts).
CMD ["node", "--max-semi-space-size=8", "dist/src/main.js"]
