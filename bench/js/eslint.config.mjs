// eslint + eslint-plugin-security configuration for bench/js/compare.sh.
import security from "eslint-plugin-security";
import tsParser from "@typescript-eslint/parser";

export default [
  {
    files: ["**/*.{js,mjs,cjs,jsx}"],
    plugins: { security },
    rules: security.configs.recommended.rules,
    languageOptions: {
      ecmaVersion: "latest",
      sourceType: "commonjs",
      parserOptions: { ecmaFeatures: { jsx: true } },
    },
  },
  {
    files: ["**/*.{ts,tsx,mts,cts}"],
    plugins: { security },
    rules: security.configs.recommended.rules,
    languageOptions: { parser: tsParser },
  },
];
