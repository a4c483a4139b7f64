# syntax=docker/dockerfile:1
# One image for every Dak process; docker-compose picks the entry point per service:
# node apps/{api,worker,webhooks,meta-sim}/dist/main.js, node packages/db/dist/migrate-cli.js,
# node scripts/dist/seed-demo.js. Compiled JavaScript only: no TypeScript, tsx or test tools.

FROM node:20-bookworm-slim AS manifests
WORKDIR /app
RUN npm install --global pnpm@10.34.9
# The manifests alone first, so a source change does not repeat the install.
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY apps/webhooks/package.json apps/webhooks/
COPY apps/meta-sim/package.json apps/meta-sim/
COPY packages/cli/package.json packages/cli/
COPY packages/config/package.json packages/config/
COPY packages/core/package.json packages/core/
COPY packages/db/package.json packages/db/
COPY packages/http/package.json packages/http/
COPY packages/meta/package.json packages/meta/
COPY packages/queue/package.json packages/queue/
COPY packages/dev-env/package.json packages/dev-env/

FROM manifests AS build
RUN --mount=type=cache,id=pnpm-store,target=/root/.local/share/pnpm/store pnpm install --frozen-lockfile
COPY . .
RUN pnpm build

FROM manifests AS runtime
# The production dependencies of the compiled entries only: each app's bundle and the
# migrate command import third-party packages from their own package's node_modules (the
# build checks that each lists them); the workspace's own code is inside the bundles.
RUN --mount=type=cache,id=pnpm-store,target=/root/.local/share/pnpm/store \
    pnpm install --frozen-lockfile --prod --filter "./apps/*" --filter @dak/db
COPY --from=build /app/apps/api/dist apps/api/dist
COPY --from=build /app/apps/worker/dist apps/worker/dist
COPY --from=build /app/apps/webhooks/dist apps/webhooks/dist
COPY --from=build /app/apps/meta-sim/dist apps/meta-sim/dist
COPY --from=build /app/packages/db/dist packages/db/dist
COPY --from=build /app/scripts/dist scripts/dist
ENV NODE_ENV=production HOST=0.0.0.0
# Media files the API keeps (MEDIA_DIR); a named volume mounted here starts owned by node.
RUN mkdir -p /var/lib/dak/media && chown node:node /var/lib/dak/media
USER node
EXPOSE 3000 3001
CMD ["node", "apps/api/dist/main.js"]
