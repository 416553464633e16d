import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../lib/i18n';

export function Modal(props: { title: string; onClose(): void; children: ComponentChildren; wide?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    box.current?.querySelector<HTMLElement>('input, select, textarea, button')?.focus();
    const key = (e: KeyboardEvent) => {
      if (e.key === 'Escape') props.onClose();
    };
    addEventListener('keydown', key);
    return () => {
      removeEventListener('keydown', key);
      prev?.focus?.();
    };
  }, []);
  return (
    <div class="modal-back" onMouseDown={(e) => e.target === e.currentTarget && props.onClose()}>
      <div class={`modal card${props.wide ? ' wide' : ''}`} role="dialog" aria-modal="true" aria-label={props.title} ref={box}>
        <header>
          <h2>{props.title}</h2>
          <button type="button" class="ghost close" aria-label={t('close')} onClick={props.onClose}>
            ×
          </button>
        </header>
        {props.children}
      </div>
    </div>
  );
}
