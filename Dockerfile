# One image for every Dak process; docker-compose picks the entry point per service.
FROM node:20-bookworm-slim
WORKDIR /app
RUN npm install --global pnpm@10.34.9
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY apps/webhooks/package.json apps/webhooks/
COPY apps/meta-sim/package.json apps/meta-sim/
COPY packages/config/package.json packages/config/
COPY packages/core/package.json packages/core/
COPY packages/db/package.json packages/db/
COPY packages/http/package.json packages/http/
COPY packages/meta/package.json packages/meta/
COPY packages/queue/package.json packages/queue/
COPY packages/testing/package.json packages/testing/
RUN pnpm install --frozen-lockfile
COPY . .
ENV NODE_ENV=production HOST=0.0.0.0
USER node
# TypeScript runs through tsx (no build step); override per service.
CMD ["node", "--import", "tsx", "apps/api/src/main.ts"]
