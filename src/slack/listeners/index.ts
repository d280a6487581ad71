export { registerActionListeners } from "./actions.ts";
export { registerCommandListeners } from "./commands.ts";
export type { ListenerDeps } from "./context.ts";
export { registerEventListeners } from "./events.ts";
export { homeStateOfView, publishHome } from "./home.ts";
export { registerSettingsActions } from "./settings.ts";
export { registerViewListeners } from "./views.ts";
