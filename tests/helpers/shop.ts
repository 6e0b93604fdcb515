// The demo shop's story for tests that start a plugin's sandbox without a demo world: the same
// catalog the world hands to sandboxes (`world.catalog`). Plugin code never imports demo/; tests may.
export { SHOP_CATALOG as shopCatalog } from "../../demo/shop/catalog";
