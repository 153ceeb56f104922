// The JavaScript lint of the viewer (viewer_template/): plain ES modules run by the browser,
// no build step. Run it with `npx eslint` (tests/test_static_checks.py does, and CI).
import js from "@eslint/js";
import globals from "globals";

// Dataset strings reach the page as text only (dom.js el(), textContent): markup sinks are errors.
const NO_MARKUP = [
  {selector: "AssignmentExpression[left.property.name=/^(innerHTML|outerHTML)$/]",
   message: "Dataset strings are text: build elements with el() from dom.js or set textContent."},
  {selector: "CallExpression[callee.property.name=/^(insertAdjacentHTML|write|writeln)$/]",
   message: "Dataset strings are text: build elements with el() from dom.js or set textContent."},
  {selector: "CallExpression[callee.property.name='createContextualFragment']",
   message: "Dataset strings are text: no HTML parsing of values."},
];

export default [
  {ignores: ["node_modules/", "build/", "benchmarks/work/", "tests/artifacts/"]},
  {
    files: ["viewer_template/**/*.js", "xgexport/templates/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: {...globals.browser},
    },
    rules: {
      ...js.configs.recommended.rules,
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-restricted-syntax": ["error", ...NO_MARKUP],
      "no-var": "error",
      "prefer-const": "error",
      eqeqeq: ["error", "always", {null: "ignore"}],
      "no-unused-vars": ["error", {args: "after-used", argsIgnorePattern: "^_"}],
    },
  },
  {
    // The landing page's script is a classic script (CSP: no inline code), not a module.
    files: ["xgexport/templates/**/*.js"],
    languageOptions: {sourceType: "script"},
  },
  {files: ["eslint.config.mjs"], languageOptions: {sourceType: "module", globals: {...globals.node}}},
];
