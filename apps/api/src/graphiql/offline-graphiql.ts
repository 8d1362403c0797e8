import { createRequire } from 'node:module';
import path from 'node:path';
import type { ApolloServerPlugin } from '@apollo/server';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';

/**
 * A GraphQL IDE at GET /graphql that works with no internet: the GraphiQL, React and ReactDOM bundles are
 * served from node_modules instead of a CDN (the drivers' built-in IDEs load theirs from unpkg).
 */
const ASSET_PREFIX = '/graphiql-assets';
const require = createRequire(import.meta.url);

function packageDir(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

const ASSETS: Record<string, string> = {
  'react.js': path.join(packageDir('react'), 'umd/react.production.min.js'),
  'react-dom.js': path.join(packageDir('react-dom'), 'umd/react-dom.production.min.js'),
  'graphiql.js': path.join(packageDir('graphiql'), 'graphiql.min.js'),
  'graphiql.css': path.join(packageDir('graphiql'), 'graphiql.min.css'),
};

export function graphiqlHtml(endpoint: string): string {
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Funnel Ledger GraphQL</title>
    <style>body { margin: 0; height: 100vh; overflow: hidden; } #graphiql { height: 100vh; }</style>
    <link rel="stylesheet" href="${ASSET_PREFIX}/graphiql.css" />
    <script src="${ASSET_PREFIX}/react.js"></script>
    <script src="${ASSET_PREFIX}/react-dom.js"></script>
    <script src="${ASSET_PREFIX}/graphiql.js"></script>
  </head>
  <body>
    <div id="graphiql">Loading…</div>
    <script>
      const fetcher = GraphiQL.createFetcher({ url: ${JSON.stringify(endpoint)} });
      ReactDOM.createRoot(document.getElementById('graphiql')).render(
        React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true, shouldPersistHeaders: true }),
      );
    </script>
  </body>
</html>`;
}

/** Apollo landing-page plugin: a browser opening /graphql gets the offline GraphiQL. */
export function offlineGraphiqlPlugin(endpoint = '/graphql'): ApolloServerPlugin {
  const html = graphiqlHtml(endpoint);
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          return { html };
        },
      };
    },
  };
}

/** Serves the IDE's bundles; call before the app initialises its routes. */
export function serveGraphiqlAssets(app: INestApplication): void {
  const express = (app as NestExpressApplication).getHttpAdapter().getInstance();
  for (const [name, file] of Object.entries(ASSETS)) {
    express.get(`${ASSET_PREFIX}/${name}`, (_req: unknown, res: { sendFile(file: string, options: object): void }) => {
      res.sendFile(file, { maxAge: '1d' });
    });
  }
}
