import { createContext, useContext } from "react";

// The content security policy's nonce of the page being rendered on the server. The browser hides nonces from the
// DOM, so after hydration it is "" on both sides and React sees no difference.
const NonceContext = createContext<string>("");

export const NonceProvider = NonceContext.Provider;

export function useNonce() {
  return useContext(NonceContext);
}
