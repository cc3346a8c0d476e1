import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import jsxA11y from "eslint-plugin-jsx-a11y";
import react from "eslint-plugin-react";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

// The pure domain modules: no Remix, no models (and so no database); unit-tested on their own. Their *.server.ts
// files are the exception by name: the served-ruleset cache, the reconciliation worker loop and the cohort change
// live beside the logic they drive and do reach the models.
const DOMAIN = [
  "audit",
  "auth",
  "backfill",
  "format",
  "health",
  "latency",
  "mismatches",
  "normalization",
  "notifications",
  "reconciliation",
  "rollout",
  "runway",
  "schema-parity",
  "sensitive",
  "support",
];

const noRoutes = {
  group: ["~/routes", "~/routes/*", "**/app/routes", "**/app/routes/*", "**/routes/*"],
  message: "Routes are entry points for Remix, not libraries: move what you need into a module (app/api, a model, a domain module).",
};
const noRemix = { group: ["@remix-run/*"], message: "Domain modules are plain TypeScript: no Remix." };
const noModels = {
  group: ["~/models", "~/models/*", "**/models/*"],
  message: "Domain modules take their data as arguments: no models (the routes and *.server.ts modules call those).",
};
const noSchema = {
  group: ["**/db/schema", "**/db/schema/*"],
  message: "Components reach the browser bundle: the control schema (drizzle tables, column names) must not. Import the constants from their domain module.",
};

export default defineConfig([
  globalIgnores([
    "build/",
    "public/build/",
    ".data/",
    ".cache/",
    "node_modules/",
    "tests/node-versions/",
    "client/dist/",
    "test-results/",
    "playwright-report/",
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
      // Non-null assertions mark places where a check just above (or an invariant) guarantees the value.
      "@typescript-eslint/no-non-null-assertion": "off",
      // Callers of external JSON and drivers sometimes need `any`; tsc's strict mode catches the rest.
      "@typescript-eslint/no-explicit-any": "warn",
      "no-console": ["error", { allow: ["warn", "error"] }],
      "no-restricted-imports": ["error", { patterns: [noRoutes] }],
    },
  },
  {
    files: ["**/*.tsx"],
    ...react.configs.flat.recommended,
    ...react.configs.flat["jsx-runtime"],
    plugins: { react, "react-hooks": reactHooks, "jsx-a11y": jsxA11y },
    languageOptions: { ...react.configs.flat.recommended.languageOptions, globals: globals.browser },
    settings: { react: { version: "detect" } },
    rules: {
      ...react.configs.flat.recommended.rules,
      ...react.configs.flat["jsx-runtime"].rules,
      ...jsxA11y.flatConfigs.recommended.rules,
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
      // Types are checked by TypeScript.
      "react/prop-types": "off",
      // Apostrophes and quotes in running text render fine; escaping them all would only make the copy unreadable.
      "react/no-unescaped-entities": "off",
      // Our labels wrap the kit's controls, which render the <input>/<select>/<textarea> the rule looks for.
      "jsx-a11y/label-has-associated-control": [
        "error",
        { assert: "either", controlComponents: ["Input", "Select", "TextArea", "StatusChangeSelect"], depth: 3 },
      ],
    },
  },
  {
    // Hooks live in .ts files too (use-revalidate-every.ts).
    files: ["app/**/*.ts"],
    plugins: { "react-hooks": reactHooks },
    rules: { "react-hooks/rules-of-hooks": "error", "react-hooks/exhaustive-deps": "error" },
  },
  {
    files: DOMAIN.map((dir) => `app/${dir}/**/*.{ts,tsx}`),
    ignores: ["**/*.server.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [noRoutes, noRemix, noModels] }] },
  },
  {
    files: DOMAIN.map((dir) => `app/${dir}/**/*.server.ts`),
    rules: { "no-restricted-imports": ["error", { patterns: [noRoutes, noRemix] }] },
  },
  {
    files: ["app/components/**/*.{ts,tsx}"],
    rules: { "no-restricted-imports": ["error", { patterns: [noRoutes, noSchema] }] },
  },
  {
    // Scripts, benchmarks and tests print their figures and progress.
    files: ["scripts/**", "bench/**", "tests/**", "db/**", "client/scripts/**", "*.config.{js,ts}"],
    rules: { "no-console": "off" },
  },
]);
