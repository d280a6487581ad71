export { type SlackNames, slackToWhatsApp } from "./slack-to-whatsapp.ts";
export { whatsappToSlack } from "./whatsapp-to-slack.ts";
