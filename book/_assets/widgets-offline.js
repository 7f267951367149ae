/* What the ipywidgets HTML manager (@jupyter-widgets/html-manager 1.0.6, embed-amd.js) needs to
 * run in this offline book. Loaded on widget pages only, after require.js and before
 * embed-amd.js (nb_ipywidgets_js in book/_config.yml); served from _static/ by
 * book/_ext/offline_assets.py.
 *
 * 1. Fonts. The manager's CSS loads its Font Awesome files from the folder of its AMD module
 *    "@jupyter-widgets/html-manager/dist/libembed-amd", which require.js places under the page's
 *    own folder (notebooks/@jupyter-widgets/...: a 404). Map the module to _static/html-manager/,
 *    where the build puts the pinned font files. The module itself is defined inside embed-amd.js,
 *    so nothing is ever fetched from that path but the fonts.
 * 2. MathJax. The widgets typeset their labels with MathJax 2's MathJax.Hub.Queue(["Typeset",
 *    MathJax.Hub, element]); the book loads MathJax 3, which has no Hub. Give it one whose Queue
 *    typesets with MathJax 3's typesetPromise. It is installed at DOMContentLoaded, when MathJax 3
 *    (a deferred script) has replaced its configuration object by itself, and before the manager
 *    renders (on "load").
 */
(function () {
  "use strict";

  var here = document.currentScript && document.currentScript.src;
  if (here && window.require && window.require.config) {
    var staticDir = here.slice(0, here.lastIndexOf("/") + 1);
    window.require.config({
      paths: { "@jupyter-widgets/html-manager/dist": staticDir + "html-manager" }
    });
  }

  function typeset(element) {
    var mathjax = window.MathJax;
    if (!mathjax || typeof mathjax.typesetPromise !== "function") {
      return;
    }
    var ready = (mathjax.startup && mathjax.startup.promise) || Promise.resolve();
    ready
      .then(function () { return mathjax.typesetPromise(element ? [element] : undefined); })
      .catch(function (err) { console.warn("MathJax could not typeset a widget label:", err); });
  }

  var hub = {
    Queue: function () {
      for (var i = 0; i < arguments.length; i++) {
        var job = arguments[i];
        if (Array.isArray(job) && job[0] === "Typeset") {
          typeset(job[2]);
        } else if (typeof job === "function") {
          job();
        }
      }
    }
  };

  function installHub() {
    var mathjax = window.MathJax;
    // MathJax 3 is loaded (it has a version); a plain object would still be its configuration.
    if (mathjax && mathjax.version && !mathjax.Hub) {
      mathjax.Hub = hub;
    }
  }

  installHub();
  document.addEventListener("DOMContentLoaded", installHub);
})();
