// OPSDECK_BUILD_DIR puts the server build and its browser assets in a folder of their own (default
// build/ and public/build/), so that two checkouts' worth of work, or a test run and a rebuild, on
// one machine need not overwrite each other's build.
const buildDir = process.env.OPSDECK_BUILD_DIR;

/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ...(buildDir ? { serverBuildPath: `${buildDir}/index.js`, assetsBuildDirectory: `${buildDir}/assets` } : {}),
  ignoredRouteFiles: ["**/.*", "**/*.test.*"],
  serverModuleFormat: "esm",
  serverPlatform: "node",
  watchPaths: ["./plugins", "./runbooks"],
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: false,
  },
};
