// The whole state lives in the URL hash (shareable; with its seeds it reproduces the run): the server's settings,
// which the server validates, and two view toggles the page keeps for itself.
export const VIEW_DEFAULTS = { show_test: false, discretize: false };

export function readHash(hash = location.hash) {
  const settings = {}, view = { ...VIEW_DEFAULTS };
  for (const [key, value] of new URLSearchParams(hash.replace(/^#/, ""))) {
    if (key in VIEW_DEFAULTS) view[key] = value === "true" || value === "1";
    else settings[key] = value;
  }
  return { settings, view };
}

export function writeHash(settings, view) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(settings)) params.set(key, Array.isArray(value) ? value.join(",") : String(value));
  for (const [key, value] of Object.entries(view)) params.set(key, value ? "true" : "false");
  history.replaceState(null, "", `${location.pathname}${location.search}#${params.toString().replace(/%2C/g, ",")}`);
}

// The preset of a notebook's show(model, x, y), from the query (?preset=...).
export const presetKey = () => new URLSearchParams(location.search).get("preset");
