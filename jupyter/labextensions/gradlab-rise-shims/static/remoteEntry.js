// A federated "extension" with no plugin: when JupyterLab or RISE loads it, init() runs with the
// page's shared-module scope. RISE's slideshow app (jupyterlab-rise 0.43) shares no
// @jupyterlab/console, so @jupyter-widgets/jupyterlab-manager fails to load there and no widget
// is drawn in a slide (jupyterlab-contrib/rise#119). The manager uses the package only for the
// token IConsoleTracker, an optional dependency: an unprovided token resolves to null. Where the
// real package is shared (JupyterLab itself), nothing is changed.
(function () {
  "use strict";
  var NAME = "gradlab-rise-shims";
  var stub = {
    IConsoleTracker: {name: "@jupyterlab/console:IConsoleTracker",
                      description: "stand-in: there is no console in a RISE slideshow"}
  };
  var registry = (window._JUPYTERLAB = window._JUPYTERLAB || {});
  registry[NAME] = {
    init: function (scope) {
      if (scope && !scope["@jupyterlab/console"]) {
        scope["@jupyterlab/console"] = {
          "4.6.2": {
            get: function () { return Promise.resolve(function () { return stub; }); },
            from: NAME, eager: false, loaded: 1
          }
        };
      }
      return Promise.resolve();
    },
    get: function (module) {
      return Promise.reject(new Error(NAME + " provides no module " + module));
    }
  };
})();
