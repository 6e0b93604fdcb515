import { createContext, createElement, useContext, type ReactNode } from "react";

// The page's script nonce, handed from the server entry to the document's <Scripts>. In the
// browser it is empty: the scripts already ran, and browsers hide a nonce from the DOM.
const NonceContext = createContext("");

export function NonceProvider({ value, children }: { value: string; children: ReactNode }) {
  return createElement(NonceContext.Provider, { value }, children);
}

export function useNonce(): string {
  return useContext(NonceContext);
}
