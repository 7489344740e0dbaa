import { fileURLToPath } from 'node:url';

/** The IDE's script and stylesheet, bundled from the installed packages (no CDN: it works offline). */
export interface IdeAssets {
  js: Buffer;
  css: Buffer;
}

const ENTRY = fileURLToPath(new URL('./browser/graphiql-app.js', import.meta.url));

let built: Promise<IdeAssets> | undefined;

/**
 * Bundles GraphiQL, React and the token bar (`browser/graphiql-app.js`) with esbuild, once per
 * process and only when the IDE is first opened (about a second): gateways with the IDE off never
 * load esbuild. Fonts and icons are inlined, so the page loads nothing but these two files.
 */
export function ideAssets(): Promise<IdeAssets> {
  built ??= bundle().catch((err: unknown) => {
    built = undefined;
    throw err;
  });
  return built;
}

async function bundle(): Promise<IdeAssets> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    minify: true,
    write: false,
    outdir: 'ide',
    format: 'iife',
    platform: 'browser',
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
    logLevel: 'silent',
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'));
  if (!js || !css) throw new Error('the IDE bundle lacks its script or stylesheet');
  return { js: Buffer.from(js.contents), css: Buffer.from(css.contents) };
}
