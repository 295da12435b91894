// The respondent form: follow-up questions shown only when their condition holds, one part
// per page on small screens, a draft saved whenever the respondent moves to another part
// (with the part, so that a resumed form opens there), and the error summary. The language
// switch needs no script: its buttons, in the header too, belong to the form.
//
// Conditions are evaluated as the server does (questionnaire.visible_items): in questionnaire
// order, against the answers of the questions that are shown, so a follow-up of a hidden
// question is hidden too. Inputs of hidden questions are disabled, so they are neither
// required nor sent. Without JavaScript the whole form is one page and the server drops
// answers to questions whose condition does not hold.
(function () {
  "use strict";

  var SMALL_SCREEN = "(max-width: 40rem)";

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  function addAnswer(answers, name, value) {
    (answers[name] = answers[name] || []).push(value);
  }

  function collect(item, answers) {
    each(item.querySelectorAll("input, textarea"), function (field) {
      if (field.type === "radio" || field.type === "checkbox") {
        if (field.checked) { addAnswer(answers, field.name, field.value); }
      } else if (field.value) {
        addAnswer(answers, field.name, field.value);
      }
    });
  }

  function holds(answers, cond) {
    if (!cond) { return true; }
    if (cond.any) { return cond.any.some(function (c) { return holds(answers, c); }); }
    if (cond.all) { return cond.all.every(function (c) { return holds(answers, c); }); }
    var name = cond.row ? cond.item + "__" + cond.row : cond.item;
    return (answers[name] || []).some(function (v) { return cond["in"].indexOf(v) !== -1; });
  }

  function Survey(form) {
    this.form = form;
    this.sections = Array.prototype.slice.call(form.querySelectorAll(".survey-section"));
    this.items = Array.prototype.slice.call(form.querySelectorAll(".survey-item"));
    this.partInput = form.querySelector("input[name=part]");
    this.submit = form.querySelector("#submit-survey");
    this.label = form.getAttribute("data-part-label") || "{n}/{t}";
    this.current = parseInt(form.getAttribute("data-part"), 10) || 1;
    this.savedPart = this.current;
    this.dirty = false;
    this.media = window.matchMedia ? window.matchMedia(SMALL_SCREEN) : null;
  }

  Survey.prototype.paged = function () {
    return !!(this.media && this.media.matches);
  };

  // Show or hide each question by its condition, then each part by its questions.
  Survey.prototype.updateVisibility = function () {
    var answers = {};
    this.items.forEach(function (item) {
      var cond = item.getAttribute("data-show-if");
      var show = !cond || holds(answers, JSON.parse(cond));
      item.hidden = !show;
      each(item.querySelectorAll("input, textarea"), function (field) {
        field.disabled = !show;
      });
      if (show) { collect(item, answers); }
    });
    this.sections.forEach(function (section) {
      section.hidden = !section.querySelector(".survey-item:not([hidden])");
    });
  };

  Survey.prototype.shownSections = function () {
    return this.sections.filter(function (section) { return !section.hidden; });
  };

  Survey.prototype.sectionNumber = function (section) {
    return parseInt(section.getAttribute("data-part"), 10);
  };

  // "Part 2 of 4", counting only the parts that are shown; in the paged layout only the
  // current part is visible, with Previous/Next, and Send on the last part.
  Survey.prototype.layout = function () {
    var self = this;
    var shown = this.shownSections();
    if (!shown.length) { return; }
    var numbers = shown.map(function (s) { return self.sectionNumber(s); });
    if (numbers.indexOf(this.current) === -1) {
      var later = numbers.filter(function (n) { return n > self.current; });
      this.current = later.length ? later[0] : numbers[numbers.length - 1];
    }
    var paged = this.paged();
    this.form.classList.toggle("is-paged", paged);
    shown.forEach(function (section, index) {
      var count = section.querySelector(".part-count");
      if (count) {
        count.textContent = self.label.replace("{n}", index + 1).replace("{t}", shown.length);
      }
      var active = !paged || self.sectionNumber(section) === self.current;
      section.classList.toggle("is-inactive", !active);
      var nav = section.querySelector(".part-nav");
      if (nav) {
        nav.hidden = !paged;
        nav.querySelector("[data-go=previous]").hidden = index === 0;
        nav.querySelector("[data-go=next]").hidden = index === shown.length - 1;
      }
    });
    this.sections.forEach(function (section) {
      if (section.hidden) { section.classList.remove("is-inactive"); }
    });
    if (this.submit) {
      this.submit.hidden = paged && this.current !== numbers[numbers.length - 1];
    }
    if (this.partInput) { this.partInput.value = String(this.current); }
  };

  // Save the answers when they have changed, or the part when the respondent has moved on.
  Survey.prototype.autosave = function () {
    var moved = this.current !== this.savedPart;
    if ((!this.dirty && !moved) || !window.fetch || !window.FormData) { return; }
    if (this.partInput) { this.partInput.value = String(this.current); }
    var data = new FormData(this.form);
    data.set("action", "autosave");
    var self = this;
    var part = this.current;
    var previous = this.savedPart;
    this.dirty = false;
    this.savedPart = part;
    window.fetch(this.form.getAttribute("action") || window.location.pathname, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" }
    }).then(function (response) {
      if (!response.ok) { self.dirty = true; self.savedPart = previous; }
    }, function () { self.dirty = true; self.savedPart = previous; });
  };

  Survey.prototype.go = function (number, focus) {
    this.current = number;
    this.layout();
    var heading = this.form.querySelector("#part-" + this.current + "-heading");
    if (heading && focus) {
      heading.focus();
      heading.scrollIntoView({ block: "start" });
    }
  };

  Survey.prototype.step = function (delta) {
    var self = this;
    var numbers = this.shownSections().map(function (s) { return self.sectionNumber(s); });
    var index = numbers.indexOf(this.current) + delta;
    if (index < 0 || index >= numbers.length) { return; }
    this.go(numbers[index], true);
    this.autosave();
  };

  // Move to a field named in the error summary, showing its part first.
  Survey.prototype.reveal = function (id) {
    var field = document.getElementById(id);
    if (!field) { return false; }
    var section = field.closest(".survey-section");
    if (section && this.paged()) { this.go(this.sectionNumber(section), false); }
    field.focus();
    var fieldset = field.closest("fieldset");
    (fieldset || field).scrollIntoView({ block: "center" });
    return true;
  };

  Survey.prototype.exclusive = function (box) {
    if (box.type !== "checkbox" || !box.checked) { return; }
    var group = this.form.querySelectorAll('input[type=checkbox][name="' + box.name + '"]');
    var isExclusive = box.hasAttribute("data-exclusive");
    each(group, function (other) {
      if (other !== box && (isExclusive || other.hasAttribute("data-exclusive"))) {
        other.checked = false;
      }
    });
  };

  Survey.prototype.start = function () {
    var self = this;
    var form = this.form;
    form.addEventListener("change", function (event) {
      self.dirty = true;
      self.exclusive(event.target);
      self.updateVisibility();
      self.layout();
    });
    form.addEventListener("input", function () { self.dirty = true; });
    form.addEventListener("click", function (event) {
      var button = event.target.closest("[data-go]");
      if (button) { self.step(button.getAttribute("data-go") === "next" ? 1 : -1); }
    });
    // In the paged layout Enter on a choice must not send the form from an early part.
    form.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key === "Enter" && self.paged() && target.tagName === "INPUT" &&
          target.type !== "submit" && target.type !== "button") {
        event.preventDefault();
      }
    });
    form.addEventListener("submit", function () { self.dirty = false; });
    // On the one-page layout, save too when the respondent moves on to another part.
    var lastSection = null;
    form.addEventListener("focusin", function (event) {
      var section = event.target.closest(".survey-section");
      if (section && !self.paged()) {
        self.current = self.sectionNumber(section);
        if (self.partInput) { self.partInput.value = String(self.current); }
      }
      if (section && lastSection && section !== lastSection) { self.autosave(); }
      if (section) { lastSection = section; }
    });
    if (this.media) {
      var relayout = function () { self.layout(); };
      if (this.media.addEventListener) {
        this.media.addEventListener("change", relayout);
      } else if (this.media.addListener) {
        this.media.addListener(relayout);
      }
    }
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.addEventListener("click", function (event) {
        var link = event.target.closest("a[data-target]");
        if (link && self.reveal(link.getAttribute("data-target"))) { event.preventDefault(); }
      });
    }
    this.updateVisibility();
    this.layout();
    if (summary) {
      summary.focus();
    } else if (form.hasAttribute("data-resume")) {
      // A resumed draft: go to the part the respondent was on.
      this.go(this.current, true);
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.survey-form");
    if (form) { new Survey(form).start(); }
  });
})();
