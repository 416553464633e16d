import { t } from '../lib/i18n';

/**
 * The foot of a dialog's form: the last error, then 취소 and the submit
 * button, which stays disabled while the form is busy or not ready.
 */
export function FormActions(props: {
  error?: string;
  busy?: boolean;
  disabled?: boolean;
  label: string;
  testId: string;
  onCancel(): void;
}) {
  return (
    <>
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      <div class="actions">
        <button type="button" class="ghost" onClick={props.onCancel}>
          {t('cancel')}
        </button>
        <button type="submit" class="primary" disabled={props.busy || props.disabled} data-testid={props.testId}>
          {props.label}
        </button>
      </div>
    </>
  );
}
