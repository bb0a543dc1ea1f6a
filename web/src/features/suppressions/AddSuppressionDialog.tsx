import { Alert, Button, Group, Modal, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { ApiError, describeError, plainFieldErrors } from '../../api/errors';
import { NOTE_MAX, useAddSuppression, type Suppression } from './hooks';

const EMPTY = { email: '', detail: '' };

/** A form in a dialog that puts an address on the suppression list by hand; the API's problems show beside their fields. */
export function AddSuppressionDialog({ opened, onClose, onAdded }: { opened: boolean; onClose: () => void; onAdded: (s: Suppression) => void }) {
  const add = useAddSuppression();
  const form = useForm({
    initialValues: EMPTY,
    validate: {
      email: (v) => (v.trim() ? null : 'Enter an email address'),
      detail: (v) => (v.length > NOTE_MAX ? `Use at most ${NOTE_MAX} characters` : null),
    },
  });

  const close = () => {
    form.reset();
    add.reset();
    onClose();
  };

  const submit = form.onSubmit((values) =>
    add.mutate(
      { email: values.email.trim(), reason: 'manual', ...(values.detail.trim() ? { detail: values.detail.trim() } : {}) },
      {
        onSuccess: (entry) => {
          form.reset();
          add.reset();
          onAdded(entry);
        },
        onError: (err) => {
          form.setErrors(plainFieldErrors(err));
          if (err instanceof ApiError && err.code === 'ALREADY_SUPPRESSED') form.setFieldError('email', describeError(err));
        },
      },
    ),
  );

  const onField = add.error instanceof ApiError && (add.error.details.length > 0 || add.error.code === 'ALREADY_SUPPRESSED');

  return (
    <Modal opened={opened} onClose={close} title="Add an address to the suppression list" centered>
      <form onSubmit={submit} noValidate aria-label="Add an address">
        <Stack>
          <Text size="sm">No campaign is sent to a listed address, whoever it belongs to, until an admin removes it.</Text>
          <TextInput label="Email" type="email" required autoComplete="off" data-autofocus {...form.getInputProps('email')} />
          <Textarea
            label="Note"
            description={`Optional: why it is added, for the other admins (at most ${NOTE_MAX} characters)`}
            autosize
            minRows={2}
            maxRows={6}
            {...form.getInputProps('detail')}
          />
          {add.error && (
            <Alert color="red" variant="light" role="alert">
              {onField ? 'Some fields need attention: see the messages under them.' : describeError(add.error)}
            </Alert>
          )}
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={close} disabled={add.isPending}>
              Cancel
            </Button>
            <Button type="submit" loading={add.isPending}>
              Add address
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
