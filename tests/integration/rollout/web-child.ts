/**
 * A second web process on the control DB in the environment, for the cross-process cache tests: serves the built
 * app on a free port and prints its URL; SIGTERM closes it.
 */
import { closeControlDb } from "../../../app/utils/db.server";
import { startWebServer } from "../../../scripts/web-server";

const web = await startWebServer({ port: 0 });
process.stdout.write(`${web.url}\n`);
process.on("SIGTERM", () => {
  void web
    .close()
    .then(() => closeControlDb())
    .then(() => process.exit(0));
});
