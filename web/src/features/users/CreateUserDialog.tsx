import { Alert, Button, Group, Modal, NativeSelect, PasswordInput, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { ApiError, describeError, plainFieldErrors } from '../../api/errors';
import type { Role, User } from '../../api/session';
import { ROLES, ROLE_ID, ROLE_LABEL, useCreateUser } from './hooks';

const EMPTY = { first_name: '', last_name: '', email: '', password: '', role: 'manager' as Role };

/** A form in a dialog that creates an account of any role; the API's field problems show under their fields. */
export function CreateUserDialog({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: (u: User) => void }) {
  const create = useCreateUser();
  // Light checks only: the API's own rules (and its words) decide, shown beside their fields.
  const form = useForm({
    initialValues: EMPTY,
    validate: {
      first_name: (v) => (v.trim() ? null : 'Enter a first name'),
      last_name: (v) => (v.trim() ? null : 'Enter a last name'),
      email: (v) => (v.trim() ? null : 'Enter an email address'),
    },
  });

  const close = () => {
    form.reset();
    create.reset();
    onClose();
  };

  const submit = form.onSubmit(({ role, ...values }) =>
    create.mutate(
      { ...values, email: values.email.trim(), first_name: values.first_name.trim(), last_name: values.last_name.trim(), role_id: ROLE_ID[role] },
      {
        onSuccess: (user) => {
          form.reset();
          create.reset();
          onCreated(user);
        },
        onError: (err) => {
          const { role_id, ...worded } = plainFieldErrors(err);
          form.setErrors({ ...worded, ...(role_id ? { role: role_id } : {}) });
          if (err instanceof ApiError && err.code === 'CONFLICT') form.setFieldError('email', 'An account with this email already exists');
        },
      },
    ),
  );

  const fieldProblem = create.error instanceof ApiError && (create.error.details.length > 0 || create.error.code === 'CONFLICT');

  return (
    <Modal opened={opened} onClose={close} title="Create a user" centered size="lg">
      <form onSubmit={submit} noValidate aria-label="Create a user">
        <Stack>
          <SimpleGrid cols={{ base: 1, xs: 2 }}>
            <TextInput label="First name" required autoComplete="off" {...form.getInputProps('first_name')} />
            <TextInput label="Last name" required autoComplete="off" {...form.getInputProps('last_name')} />
          </SimpleGrid>
          <TextInput label="Email" type="email" required autoComplete="off" {...form.getInputProps('email')} />
          <PasswordInput label="Password" description="8 to 128 characters; tell it to the person, who can change it in their profile" required autoComplete="new-password" {...form.getInputProps('password')} />
          <NativeSelect label="Role" required data={ROLES.map((r) => ({ value: r, label: ROLE_LABEL[r] }))} {...form.getInputProps('role')} />
          {create.error && (
            <Alert color="red" variant="light" role="alert">
              {fieldProblem ? 'Some fields need attention: see the messages under them.' : describeError(create.error)}
            </Alert>
          )}
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={close} disabled={create.isPending}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create user
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
