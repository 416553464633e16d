/*
 * minwon website embed: adds a floating "120 채팅 상담" button that opens the
 * citizen chat in an iframe served from this script's own origin.
 *
 *   <script src="https://center.example/embed.js" data-entry="seoul" async></script>
 *
 * Optional attributes: data-label (button text), data-position ("left" or
 * "right", default right), data-color (button colour, CSS value).
 * Nothing else is fetched; the chat itself loads only when the button is used.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.src) return;
  if (window.__minwon120Embed) return;
  window.__minwon120Embed = true;

  var entry = script.getAttribute('data-entry') || 'seoul';
  var label = script.getAttribute('data-label') || '120 채팅 상담';
  var side = script.getAttribute('data-position') === 'left' ? 'left' : 'right';
  var color = script.getAttribute('data-color') || '#2f5d8a';
  var chatURL;
  try {
    chatURL = new URL('chat/' + encodeURIComponent(entry), script.src).href;
  } catch (e) {
    return;
  }

  var P = 'minwon120-';
  var css =
    '.' + P + 'btn{position:fixed;bottom:20px;' + side + ':20px;z-index:2147483000;display:flex;align-items:center;gap:8px;' +
    'padding:12px 18px;border:none;border-radius:28px;background:' + color + ';color:#fff;cursor:pointer;' +
    'font:700 15px/1.2 "Nanum Gothic","NanumGothic","Noto Sans KR",sans-serif;box-shadow:0 4px 16px rgba(0,0,0,.22)}' +
    '.' + P + 'btn:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}' +
    '.' + P + 'panel{position:fixed;bottom:84px;' + side + ':20px;z-index:2147483001;width:380px;height:620px;' +
    'max-height:calc(100vh - 104px);background:#fff;border-radius:14px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.25);display:none}' +
    '.' + P + 'panel.' + P + 'open{display:block}' +
    '.' + P + 'panel iframe{border:0;width:100%;height:100%;display:block}' +
    '.' + P + 'close{position:absolute;top:6px;' + (side === 'left' ? 'right' : 'right') + ':6px;z-index:1;width:32px;height:32px;' +
    'border:none;border-radius:16px;background:rgba(0,0,0,.25);color:#fff;font:20px/32px sans-serif;cursor:pointer;display:none}' +
    '@media (max-width:480px){.' + P + 'panel{inset:0;width:auto;height:auto;max-height:none;border-radius:0}' +
    '.' + P + 'panel.' + P + 'open~.' + P + 'btn{display:none}.' + P + 'close{display:block}}';

  function init() {
    var style = document.createElement('style');
    style.textContent = css;
    document.head.appendChild(style);

    var panel = document.createElement('div');
    panel.className = P + 'panel';
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-label', label);

    var close = document.createElement('button');
    close.type = 'button';
    close.className = P + 'close';
    close.setAttribute('aria-label', '닫기');
    close.textContent = '\u00d7';
    panel.appendChild(close);

    var btn = document.createElement('button');
    btn.type = 'button';
    btn.className = P + 'btn';
    btn.setAttribute('aria-expanded', 'false');
    btn.setAttribute('data-testid', 'embed-button');
    btn.textContent = label;

    var frame = null;
    function toggle(open) {
      if (open && !frame) {
        frame = document.createElement('iframe');
        frame.src = chatURL;
        frame.title = label;
        frame.setAttribute('data-testid', 'embed-frame');
        frame.setAttribute('allow', 'clipboard-write');
        panel.appendChild(frame);
      }
      panel.className = P + 'panel' + (open ? ' ' + P + 'open' : '');
      btn.setAttribute('aria-expanded', open ? 'true' : 'false');
    }
    btn.addEventListener('click', function () {
      toggle(panel.className.indexOf(P + 'open') < 0);
    });
    close.addEventListener('click', function () {
      toggle(false);
      btn.focus();
    });
    document.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && panel.className.indexOf(P + 'open') >= 0) toggle(false);
    });

    document.body.appendChild(panel);
    document.body.appendChild(btn);
  }

  if (document.body) init();
  else document.addEventListener('DOMContentLoaded', init);
})();
