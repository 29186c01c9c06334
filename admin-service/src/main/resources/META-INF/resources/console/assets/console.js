// NexusAI admin console: the only script besides htmx (external file: the console's CSP forbids inline scripts).

// File pickers: <input type="file" data-load-into="ID"> reads the chosen file into the text field with that id, so the
// form posts text (the Apply page's YAML).
document.addEventListener('change', function (event) {
  var input = event.target;
  if (!input.matches || !input.matches('input[type=file][data-load-into]') || !input.files || input.files.length === 0) {
    return;
  }
  var target = document.getElementById(input.getAttribute('data-load-into'));
  if (target) {
    input.files[0].text().then(function (text) { target.value = text; });
  }
});

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
