import { Alert, Button, Group, Paper, PasswordInput, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useEffect } from 'react';
import { describeError, fieldErrors } from '../../api/errors';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { PageFrame } from '../../components/PageFrame';
import { EmailPreference } from './EmailPreference';
import { useChangePassword, useMe, useUpdateMe } from './hooks';

function NamesForm({ first, last }: { first: string; last: string }) {
  const update = useUpdateMe();
  const form = useForm({
    initialValues: { first_name: first, last_name: last },
    validate: {
      first_name: (v) => (v.trim() ? null : 'Enter your first name'),
      last_name: (v) => (v.trim() ? null : 'Enter your last name'),
    },
  });
  useEffect(() => {
    if (!form.isDirty()) form.setInitialValues({ first_name: first, last_name: last });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the server's names change
  }, [first, last]);
  const submit = form.onSubmit((values) =>
    update.mutate(
      { first_name: values.first_name.trim(), last_name: values.last_name.trim() },
      {
        onSuccess: (user) => {
          form.setInitialValues({ first_name: user.first_name, last_name: user.last_name });
          form.reset();
          notifications.show({ color: 'green', message: 'Your name was saved.' });
        },
        onError: (err) => form.setErrors(fieldErrors(err)),
      },
    ),
  );
  return (
    <Paper withBorder p="lg" component="form" onSubmit={submit} noValidate aria-labelledby="names-heading">
      <Stack>
        <Title order={2} size="h4" id="names-heading">
          Your name
        </Title>
        <SimpleGrid cols={{ base: 1, xs: 2 }}>
          <TextInput label="First name" autoComplete="given-name" required {...form.getInputProps('first_name')} />
          <TextInput label="Last name" autoComplete="family-name" required {...form.getInputProps('last_name')} />
        </SimpleGrid>
        {update.error && (
          <Alert color="red" variant="light" role="alert">
            {describeError(update.error)}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={update.isPending} disabled={!form.isDirty()}>
            Save name
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function PasswordForm() {
  const change = useChangePassword();
  const form = useForm({
    initialValues: { current_password: '', new_password: '', confirm: '' },
    validate: {
      current_password: (v) => (v ? null : 'Enter your current password'),
      new_password: (v) => (v.length >= 8 && v.length <= 128 ? null : 'Use 8 to 128 characters'),
      confirm: (v, values) => (v === values.new_password ? null : 'The two new passwords differ'),
    },
  });
  const submit = form.onSubmit(({ current_password, new_password }) =>
    change.mutate(
      { current_password, new_password },
      {
        onSuccess: () => {
          form.reset();
          notifications.show({ color: 'green', message: 'Your password was changed. Your other sessions were signed out.' });
        },
        onError: (err) => form.setErrors(fieldErrors(err)),
      },
    ),
  );
  return (
    <Paper withBorder p="lg" component="form" onSubmit={submit} noValidate aria-labelledby="password-heading">
      <Stack>
        <Title order={2} size="h4" id="password-heading">
          Change your password
        </Title>
        <PasswordInput label="Current password" autoComplete="current-password" required {...form.getInputProps('current_password')} />
        <PasswordInput
          label="New password"
          description="8 to 128 characters"
          autoComplete="new-password"
          required
          {...form.getInputProps('new_password')}
        />
        <PasswordInput label="Repeat the new password" autoComplete="new-password" required {...form.getInputProps('confirm')} />
        {change.error && (
          <Alert color="red" variant="light" role="alert">
            {describeError(change.error)}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={change.isPending}>
            Change password
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

export default function ProfilePage() {
  const me = useMe();
  return (
    <PageFrame title="Profile" maxWidth={640}>
      {me.isPending && <LoadingState label="Loading your profile" />}
      {me.isError && <ErrorState error={me.error} onRetry={() => me.refetch()} />}
      {me.data && (
        <>
          <Text>
            {me.data.email} · {me.data.role}
          </Text>
          <NamesForm first={me.data.first_name} last={me.data.last_name} />
          <Paper withBorder p="lg">
            <Stack>
              <Title order={2} size="h4">
                Email
              </Title>
              <EmailPreference user={me.data} />
            </Stack>
          </Paper>
          <PasswordForm />
        </>
      )}
    </PageFrame>
  );
}

