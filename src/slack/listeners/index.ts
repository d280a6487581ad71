export { registerActionListeners } from "./actions.ts";
export { registerCommandListeners } from "./commands.ts";
export type { ListenerDeps } from "./context.ts";
export { registerEventListeners } from "./events.ts";
export { registerViewListeners } from "./views.ts";
