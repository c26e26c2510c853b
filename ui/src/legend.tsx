/** The legend of the timeline: each bar and marker with its shape, colour and meaning in words. */
import { barStyles, lagStyle, markerStyles } from './outcome-style.js';

/** The legend under the timeline; the same words appear in the tooltips and the runs tables. */
export function Legend() {
  return (
    <ul class="legend" aria-label="Legend">
      {Object.entries(barStyles).map(([kind, style]) => (
        <li key={kind} title={style.hint}>
          <span class={`swatch swatch-${style.fill}`} style={{ '--c': style.color }} aria-hidden="true" />
          {style.label}
        </li>
      ))}
      <li title={lagStyle.hint}>
        <span class="swatch-lag" aria-hidden="true" />
        {lagStyle.label}
      </li>
      {Object.entries(markerStyles).map(([kind, style]) => (
        <li key={kind} title={style.hint}>
          <span class="glyph" style={{ color: style.color }} aria-hidden="true">
            {style.glyph}
          </span>
          {style.label}
        </li>
      ))}
      <li title="bars drawn on a second line with a dark border started while an earlier run was still going">
        <span class="swatch swatch-overlap" aria-hidden="true" />
        overlap
      </li>
    </ul>
  );
}
