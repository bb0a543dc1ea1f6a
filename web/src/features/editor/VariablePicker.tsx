import { Button, Menu } from '@mantine/core';
import { useRef } from 'react';
import { VARIABLES } from './types';

/**
 * A menu of the template variables; choosing one inserts it where the cursor was and leaves the focus
 * there, in the field (closed without a choice, the focus goes back to the button).
 */
export function VariablePicker({ label, promotion, onPick, compact = false }: { label: string; promotion: boolean; onPick: (text: string) => void; compact?: boolean }) {
  const target = useRef<HTMLButtonElement>(null);
  const picked = useRef(false);
  return (
    <Menu
      position="bottom-end"
      withinPortal
      shadow="md"
      returnFocus={false}
      // No focus trap: releasing one would take the focus back from the field the variable went into.
      trapFocus={false}
      onOpen={() => (picked.current = false)}
      onClose={() => {
        if (!picked.current) target.current?.focus();
      }}
    >
      <Menu.Target>
        <Button ref={target} variant="default" size="compact-sm" leftSection={<span aria-hidden>{'{ }'}</span>} aria-label={compact ? label : undefined}>
          {compact ? 'Variable' : label}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        {VARIABLES.filter((v) => promotion || !('promotionOnly' in v)).map((v) => (
          <Menu.Item
            key={v.name}
            onClick={() => {
              picked.current = true;
              onPick(`{{${v.name}}}`);
            }}
            rightSection={<code>{`{{${v.name}}}`}</code>}
          >
            {v.label}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}
