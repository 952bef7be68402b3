// Builds webchat/dist/, the only directory the assistant serves for the web chat page:
// the socket.io browser client from node_modules (installed from the npm registry by `npm ci`) and our own files.
// No bundler: the client ships a ready browser build, and our script is small enough to serve as written.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, "dist");
const client = join(root, "node_modules", "socket.io-client", "dist");

const files = [
  [join(client, "socket.io.min.js"), "socket.io.min.js"],
  [join(client, "socket.io.min.js.map"), "socket.io.min.js.map"],
  [join(root, "src", "linkify.js"), "linkify.js"],
  [join(root, "src", "chat.js"), "chat.js"],
  [join(root, "src", "chat.css"), "chat.css"],
  [join(root, "src", "launcher.js"), "launcher.js"], // served with its settings at /webhooks/webchat/launcher.js
  [join(root, "src", "launcher.css"), "launcher.css"],
];

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
for (const [from, to] of files) {
  copyFileSync(from, join(dist, to));
}
console.log(`webchat: ${files.length} files in ${dist}`);
