// The premises map: markers coloured by risk, loaded as GeoJSON for the visible area.
// Works without background tiles (data-tile-url empty): the premises are then drawn on a
// plain background. No inline scripts: configuration comes from data attributes.
(function () {
  "use strict";

  var COLOURS = { high: "#b3261e", medium: "#b25e00", low: "#1f6f43" };

  function init(el) {
    var map = L.map(el, { preferCanvas: true }).setView(
      [parseFloat(el.dataset.lat || "58.5"), parseFloat(el.dataset.lon || "15.9")],
      parseInt(el.dataset.zoom || "9", 10)
    );
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, {
        maxZoom: 19,
        attribution: el.dataset.attribution || ""
      }).addTo(map);
    }
    var layer = L.layerGroup().addTo(map);
    var status = document.getElementById("map-status");
    var form = document.getElementById("map-filters");
    var fitted = false;

    function load() {
      var params = new URLSearchParams(form ? new FormData(form) : undefined);
      var b = map.getBounds();
      params.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].join(","));
      fetch(el.dataset.geojsonUrl + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          layer.clearLayers();
          data.features.forEach(function (f) {
            var p = f.properties;
            // Targets of joint operations get a thick dark ring.
            var marker = L.circleMarker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
              radius: p.target ? 9 : 7, weight: p.target ? 4 : 1, color: p.target ? "#0b3d66" : "#111",
              fillColor: COLOURS[p.risk_level] || "#555", fillOpacity: 0.9
            });
            var link = document.createElement("a");
            link.href = p.url;
            link.textContent = (p.name ? p.name + ", " : "") + p.address;
            var box = document.createElement("div");
            box.appendChild(link);
            var meta = document.createElement("p");
            meta.textContent = p.kind + " · " + p.municipality + " · " + el.dataset.riskLabel + " " +
              p.risk_score + (p.target ? " · " + el.dataset.targetLabel : "");
            box.appendChild(meta);
            marker.bindPopup(box);
            marker.addTo(layer);
          });
          if (!fitted && data.features.length) {
            fitted = true;
            map.fitBounds(L.geoJSON(data).getBounds(), { maxZoom: 14, padding: [20, 20] });
          }
          if (status) {
            status.textContent = data.features.length + " " + el.dataset.countLabel +
              (data.truncated ? " " + el.dataset.truncatedLabel : "");
          }
        })
        .catch(function () {
          if (status) { status.textContent = el.dataset.errorLabel; }
        });
    }

    map.on("moveend", load);
    if (form) {
      form.addEventListener("submit", function (event) { event.preventDefault(); load(); });
    }
    load();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("premises-map");
    if (el && window.L) { init(el); }
  });
})();
