// Shows follow-up questions only when their condition holds. The server applies the
// same conditions and drops answers to hidden questions, so this is a convenience.
(function () {
  "use strict";

  function answerOf(form, id) {
    var checked = form.querySelectorAll('[name="' + id + '"]:checked');
    if (checked.length) {
      return Array.prototype.map.call(checked, function (el) { return el.value; });
    }
    var field = form.querySelector('[name="' + id + '"]');
    return field && field.value ? [field.value] : [];
  }

  function holds(form, cond) {
    if (!cond) { return true; }
    if (cond.any) { return cond.any.some(function (c) { return holds(form, c); }); }
    if (cond.all) { return cond.all.every(function (c) { return holds(form, c); }); }
    var name = cond.row ? cond.item + "__" + cond.row : cond.item;
    var values = answerOf(form, name);
    return values.some(function (v) { return cond["in"].indexOf(v) !== -1; });
  }

  function update(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (el) {
      var show = holds(form, JSON.parse(el.getAttribute("data-show-if")));
      el.hidden = !show;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.survey-form");
    if (!form) { return; }
    form.addEventListener("change", function () { update(form); });
    update(form);
  });
})();
