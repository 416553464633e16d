/** A labelled choice of one item by id, listed by name (a queue, a counselor, a department). */
export function SelectField(props: {
  label: string;
  value: string;
  options: { id: string; name: string }[];
  testId: string;
  onChange(id: string): void;
}) {
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)} data-testid={props.testId}>
        {props.options.map((o) => (
          <option value={o.id} key={o.id}>
            {o.name}
          </option>
        ))}
      </select>
    </label>
  );
}
