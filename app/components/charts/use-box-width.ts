import { useEffect, useRef, useState } from "react";

/** The width of a chart's box in px, following resizes (a phone's card is far narrower than a desktop's). */
export function useBoxWidth<T extends HTMLElement>(initial: number, max = initial, min = 160) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(initial);
  useEffect(() => {
    const box = ref.current;
    if (!box) return;
    const measure = () => setWidth(Math.max(min, Math.min(max, Math.floor(box.clientWidth))));
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    return () => observer.disconnect();
  }, [max, min]);
  return { ref, width };
}
