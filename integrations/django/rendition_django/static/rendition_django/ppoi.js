// The PPOI widget: a click on the image writes "x"x"y" (0..1, two decimals) into the PPOI input.
document.addEventListener('click', (event) => {
  const image = event.target instanceof HTMLImageElement ? event.target : null;
  const box = image?.closest('.rendition-ppoi');
  if (!image || !box) return;
  const input = box.closest('form')?.elements.namedItem(box.dataset.ppoiInput);
  const rect = image.getBoundingClientRect();
  const clamp = (value) => Math.min(1, Math.max(0, Math.round(value * 100) / 100));
  const x = clamp((event.clientX - rect.left) / rect.width);
  const y = clamp((event.clientY - rect.top) / rect.height);
  if (input) input.value = `${x}x${y}`;
  const marker = box.querySelector('.rendition-ppoi-marker');
  if (marker) Object.assign(marker.style, { left: `${x * 100}%`, top: `${y * 100}%` });
});
