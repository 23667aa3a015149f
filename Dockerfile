# One image, two entry points: the worker (default) and the watcher
# (`node dist/watcher/main.js`), and the CLI (`node dist/cli/main.js migrate <namespace>`).
# Workflows are prebundled at build time.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY config ./config
COPY model ./model
COPY workflows ./workflows
COPY activities ./activities
COPY temporal ./temporal
COPY watcher ./watcher
COPY worker ./worker
COPY cli ./cli
RUN npx tsc -p tsconfig.build.json \
 && WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js node dist/worker/bundle.js \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
USER node
EXPOSE 8081
CMD ["node", "dist/worker/main.js"]
