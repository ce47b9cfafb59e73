// Builds the front-end assets into static/build/ (ignored by git; `make assets` runs this).
import * as sass from "sass";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";

const out = "static/build";
mkdirSync(out, { recursive: true });

const result = sass.compile("static_src/app.scss", {
  style: "compressed",
  importers: [new sass.NodePackageImporter()],
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(`${out}/app.css`, result.css);

const govuk = "node_modules/govuk-frontend/dist/govuk";
for (const file of ["govuk-frontend.min.js", "govuk-frontend.min.js.map"]) {
  cpSync(`${govuk}/${file}`, `${out}/${file}`);
}
// No fonts, crest, crown icons or favicons are copied: they are reserved for GOV.UK services.
// The stylesheet still names the crest image (footer copyright), so a blank image stands in.
mkdirSync(`${out}/govuk/assets/images`, { recursive: true });
writeFileSync(
  `${out}/govuk/assets/images/govuk-crest.svg`,
  '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n',
);
console.log(`built ${out}/app.css (${result.css.length} bytes)`);
