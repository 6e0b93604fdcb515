import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/core/auth.server";

// Unknown addresses: signed-out visitors go to sign-in first; others get the friendly 404.
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  throw new Response("There is nothing at this address.", { status: 404 });
}

export default function NotFound() {
  return null;
}
