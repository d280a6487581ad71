export * from "./handoff.ts";
export * from "./home.ts";
export * from "./template-create.ts";
export * from "./template-modal.ts";
export * from "./text.ts";
export * from "./thread.ts";
export * from "./validate.ts";
