/*
 * Renders the OpenAPI document named by #api-docs[data-spec] as a plain reference page.
 * Self-hosted (no CDN) and free of inline script, so the site's strict CSP applies unchanged;
 * every value from the document goes in as text, never as markup.
 */
(() => {
  "use strict";

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    if (className) {
      node.className = className;
    }
    return node;
  }

  function resolve(spec, schema) {
    let current = schema || {};
    while (current && current.$ref) {
      current = current.$ref.replace(/^#\//, "").split("/")
        .reduce((node, key) => (node ? node[key] : undefined), spec) || {};
    }
    return current;
  }

  function schemaBlock(spec, schema) {
    return el("pre", JSON.stringify(resolve(spec, schema), null, 2), "schema");
  }

  function operation(spec, path, method, op) {
    const section = el("section", null, "operation");
    const title = el("h3");
    title.append(el("span", method.toUpperCase(), `method method-${method}`), " ", el("code", path));
    section.append(title);
    if (op.summary) {
      section.append(el("p", op.summary));
    }
    if (op.description) {
      section.append(el("p", op.description, "description"));
    }
    if (op.security && op.security.length) {
      section.append(el("p", `Auth: ${op.security.map((item) => Object.keys(item).join(" + ")).join(" or ")}`));
    }
    (op.parameters || []).forEach((parameter) => {
      const item = resolve(spec, parameter);
      section.append(el("p", `${item.in} parameter ${item.name}${item.required ? " (required)" : ""}: ${item.description || ""}`));
    });
    if (op.requestBody && op.requestBody.content) {
      Object.entries(op.requestBody.content).forEach(([type, content]) => {
        section.append(el("h4", `Request body (${type})`), schemaBlock(spec, content.schema));
      });
    }
    const responses = el("dl", null, "responses");
    Object.entries(op.responses || {}).forEach(([status, response]) => {
      const resolved = resolve(spec, response);
      responses.append(el("dt", status), el("dd", resolved.description || ""));
    });
    section.append(el("h4", "Responses"), responses);
    return section;
  }

  async function render(root) {
    const response = await fetch(root.dataset.spec, { headers: { Accept: "application/json" } });
    const spec = await response.json();
    const info = spec.info || {};
    const children = [el("h1", `${info.title || "API"} ${info.version || ""}`)];
    if (info.description) {
      children.push(el("p", info.description));
    }
    const byTag = new Map();
    Object.entries(spec.paths || {}).forEach(([path, methods]) => {
      Object.entries(methods).forEach(([method, op]) => {
        if (typeof op !== "object" || !op.responses) {
          return;
        }
        const tag = (op.tags && op.tags[0]) || "API";
        if (!byTag.has(tag)) {
          byTag.set(tag, []);
        }
        byTag.get(tag).push(operation(spec, path, method, op));
      });
    });
    byTag.forEach((sections, tag) => {
      children.push(el("h2", tag), ...sections);
    });
    root.replaceChildren(...children);
  }

  const root = document.getElementById("api-docs");
  if (root) {
    render(root).catch(() => {
      root.append(el("p", "The OpenAPI document could not be loaded.", "error"));
    });
  }
})();
