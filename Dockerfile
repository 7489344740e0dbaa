# syntax=docker/dockerfile:1
# One image for every process of the system: the gateway (default command), each subgraph
# (`npm run subgraph -- <name>`) and the sandboxes (`npm run sandbox`). See compose.yaml.

# Dependencies from the lockfile, without the development ones (tsx, which runs the TypeScript
# sources, is a runtime dependency).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY platform ./platform
COPY gateway ./gateway
COPY subgraphs ./subgraphs
COPY sandbox ./sandbox
COPY schema ./schema
COPY scripts ./scripts
# var/ holds the audit log (mount a volume there); everything else stays read-only for the app user.
RUN mkdir -p var && chown node:node var
USER node
EXPOSE 4000
# The gateway's liveness; compose.yaml points each subgraph's check at its own port.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.GATEWAY_PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["npm", "run", "gateway"]
