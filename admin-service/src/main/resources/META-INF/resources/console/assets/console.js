// NexusAI admin console: the only script besides htmx (external file: the console's CSP forbids inline scripts).
// Copy buttons: <button data-copy="ID"> copies the value of the element with that id (a key shown once).
document.addEventListener('click', function (event) {
  var button = event.target.closest('[data-copy]');
  if (!button) {
    return;
  }
  var field = document.getElementById(button.getAttribute('data-copy'));
  if (!field) {
    return;
  }
  var done = function () { button.textContent = 'Copied'; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
  } else {
    field.select();
    if (document.execCommand('copy')) {
      done();
    }
  }
});
