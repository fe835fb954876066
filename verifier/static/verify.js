/* The employer page's camera scanner: reads a QR code with the bundled jsQR (no CDN) and
   submits what it reads through the page's own form. Without a camera or JavaScript the
   page still works: type a code or upload a file. */
(function () {
  "use strict";
  var scanner = document.getElementById("scanner");
  var button = document.getElementById("scan-button");
  var video = document.getElementById("scan-video");
  var help = document.getElementById("scan-help");
  var error = document.getElementById("scan-error");
  var form = document.getElementById("verify-form");
  var text = document.getElementById("text");
  if (!scanner || !button || !video || !form || !text) return;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) return;

  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var MAX_WIDTH = 640;

  function stop() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.hidden = true;
    help.hidden = true;
    button.textContent = scanner.dataset.scan;
  }

  function found(value) {
    stop();
    text.value = value;
    form.submit();
  }

  function frame() {
    if (!stream) return;
    if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth) {
      var scale = Math.min(1, MAX_WIDTH / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, image.width, image.height, {
        inversionAttempts: "attemptBoth"
      });
      if (code && code.data) return found(code.data);
    }
    window.requestAnimationFrame(frame);
  }

  function start() {
    error.hidden = true;
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        help.hidden = false;
        button.textContent = scanner.dataset.stop;
        return video.play();
      })
      .then(function () { window.requestAnimationFrame(frame); })
      .catch(function (reason) {
        stop();
        error.textContent = scanner.dataset.error + (reason && reason.message ? reason.message : reason);
        error.hidden = false;
      });
  }

  button.hidden = false;
  button.addEventListener("click", function () { if (stream) stop(); else start(); });
})();
