// The login form posts without script; this only says why the last try failed.
if (new URLSearchParams(location.search).has('failed')) document.getElementById('failed').hidden = false;
