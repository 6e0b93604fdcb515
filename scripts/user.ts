// npm run user -- add NAME --role ROLE [--role ROLE2] [--display "Full Name"]   (password from stdin or prompt)
// npm run user -- roles NAME --role ROLE …   |   npm run user -- disable NAME   |   npm run user -- list
import readline from "node:readline";
import { parseArgs } from "node:util";
import pino from "pino";
import { UserInputError } from "~/core/auth.server";
import { changeUserFromCli, UserChangeError } from "~/core/users.server";
import type { Role } from "~/lib/roles";
import { ConfigError } from "~/core/config.server";
import { bootPortal } from "~/core/boot.server";

const USAGE = `usage:
  npm run user -- add NAME --role ROLE [--role ROLE…] [--display "Name"] [--break-glass]   password from stdin or prompt
    --break-glass: may sign in with the password even when auth.local is false (audited each time)
  npm run user -- roles NAME --role ROLE [--role ROLE…]
  npm run user -- disable NAME | enable NAME
  npm run user -- list
roles: viewer, responder, admin, manager`;

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = "";
    for await (const chunk of process.stdin) text += chunk;
    return text.split(/\r?\n/)[0];
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const ask = (q: string) =>
    new Promise<string>((resolve) => {
      const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
      out._writeToOutput = (s: string) => {
        if (s.startsWith(q)) out.output.write(q);
      };
      rl.question(q, (a) => {
        out.output.write("\n");
        resolve(a);
      });
    });
  const first = await ask("Password: ");
  const second = await ask("Repeat password: ");
  rl.close();
  if (first !== second) throw new UserInputError("password: the two entries differ");
  return first;
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { role: { type: "string", multiple: true }, display: { type: "string" }, "break-glass": { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  const [command, name] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const roles = (values.role ?? []).flatMap((r) => r.split(","));
  // Every installed plugin's migrations (a portal that ran has applied them), but no plugin set up:
  // no sandboxes, demo world or timers beside a portal that may be running on the same store.
  const portal = await bootPortal({ background: false, pluginSetup: false, demoUsers: false, log: pino({ level: "warn" }) });
  try {
    const { store } = portal;
    switch (command) {
      // Every change is audited (actor cli:<OS user>) together with the change itself.
      case "add": {
        if (!name) throw new UserInputError("NAME: missing");
        if (!roles.length) throw new UserInputError("--role: give at least one role");
        const password = await readPassword();
        const { created } = await changeUserFromCli(portal, { intent: "add", username: name, password, roles: roles as Role[], breakGlass: values["break-glass"] });
        if (values.display) await store.db.updateTable("users").set({ display_name: values.display }).where("username", "=", name).execute();
        console.log(`${created ? "created" : "updated"} ${name} (${roles.join(", ")})`);
        return 0;
      }
      case "roles": {
        if (!name || !roles.length) throw new UserInputError("usage: roles NAME --role ROLE");
        await changeUserFromCli(portal, { intent: "roles", username: name, roles: roles as Role[] });
        console.log(`${name}: ${roles.join(", ")}`);
        return 0;
      }
      case "disable":
      case "enable": {
        if (!name) throw new UserInputError("NAME: missing");
        await changeUserFromCli(portal, { intent: command, username: name });
        console.log(`${name} ${command}d`);
        return 0;
      }
      case "list": {
        const rows = await store.db.selectFrom("users").select(["username", "roles", "disabled"]).orderBy("username").execute();
        for (const r of rows) console.log(`${r.username}\t${r.roles}${r.disabled ? "\t(disabled)" : ""}`);
        return 0;
      }
      default:
        throw new UserInputError(`unknown command "${command}"\n${USAGE}`);
    }
  } finally {
    await portal.shutdown();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UserInputError || err instanceof UserChangeError) console.error(`error: ${err.message}`);
    else if (err instanceof ConfigError) console.error(`configuration problems:\n${err.problems.map((p) => `  ${p}`).join("\n")}`);
    else console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
