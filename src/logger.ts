import { pino } from "pino";

/** The structured logger passed to every factory. */
export type Logger = pino.Logger;

/**
 * JSON logs on stdout. Secrets are redacted by key wherever they appear so that logging a config
 * object or request headers by mistake does not leak them.
 */
export function createLogger(
  level: pino.LevelWithSilent = "info",
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { service: "jembatan" },
      redact: {
        paths: [
          "*.appSecret",
          "*.accessToken",
          "*.verifyToken",
          "*.botToken",
          "*.signingSecret",
          "*.appToken",
          "*.apiKey",
          "*.authorization",
          "*.headers.authorization",
          "*.headers.cookie",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
