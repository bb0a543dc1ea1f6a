import { Alert, Box, Button, Grid, Group, List, Paper, Radio, Stack, Textarea, TextInput } from '@mantine/core';
import { DateTimePicker } from '@mantine/dates';
import '@mantine/dates/styles.css';
import { useForm, type UseFormReturnType } from '@mantine/form';
import { useRef } from 'react';
import { ApiError, describeError, fieldErrors } from '../../api/errors';
import { BodyEditor } from '../editor/BodyEditor';
import { VariablePicker } from '../editor/VariablePicker';
import { LivePreview, useLiveRender } from './LivePreview';
import { fromLocalInput, toLocalInput } from './dates';
import type { Campaign, CampaignInput, CampaignType } from './types';

export interface CampaignFormValues {
  type: CampaignType;
  title: string;
  description: string;
  subject: string;
  body_html: string;
  body_text: string;
  promo_code: string;
  start_time: string;
  end_time: string;
}

const FIELDS = new Set<string>(['type', 'title', 'description', 'subject', 'body_html', 'body_text', 'promo_code', 'start_time', 'end_time']);

/** The form's values for a campaign (empty for a new one). */
export function formValues(c?: Campaign): CampaignFormValues {
  return {
    type: c?.type ?? 'promotion',
    title: c?.title ?? '',
    description: c?.description ?? '',
    subject: c?.subject ?? '',
    body_html: c?.body_html ?? '',
    body_text: c?.body_text ?? '',
    promo_code: c?.promo_code ?? '',
    start_time: toLocalInput(c?.start_time),
    end_time: toLocalInput(c?.end_time),
  };
}

/** The API body for the given fields of the form (all of them for a new campaign). */
export function toBody(v: CampaignFormValues, fields: Iterable<keyof CampaignFormValues>): Partial<CampaignInput> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (f === 'start_time' || f === 'end_time') out[f] = fromLocalInput(v[f]);
    else if (f === 'body_text') out[f] = v.body_text.trim() ? v.body_text : null;
    else if (f === 'promo_code') out[f] = v.type === 'promotion' && v.promo_code.trim() ? v.promo_code.trim() : null;
    else out[f] = f === 'title' || f === 'subject' ? v[f].trim() : v[f];
  }
  return out as Partial<CampaignInput>;
}

const errorStyles = { error: { whiteSpace: 'pre-line' as const } };

const CALENDAR_LABELS = {
  monthLevelControl: 'Choose another month',
  yearLevelControl: 'Choose another year',
  nextMonth: 'Next month',
  previousMonth: 'Previous month',
  nextYear: 'Next year',
  previousYear: 'Previous year',
  nextDecade: 'Next decade',
  previousDecade: 'Previous decade',
};
const DAY_LABEL = new Intl.DateTimeFormat(undefined, { dateStyle: 'full' });

/** A start or end time: a date and time picker (local time; empty for none), cleared with its button. */
function TimeField({ form, field, label, description }: {
  form: UseFormReturnType<CampaignFormValues>;
  field: 'start_time' | 'end_time';
  label: string;
  description: string;
}) {
  const name = label.toLowerCase();
  return (
    <DateTimePicker
      label={label}
      description={description}
      placeholder="Pick a date and time"
      valueFormat="D MMM YYYY, HH:mm"
      clearable
      miw={200}
      data-field={field}
      value={form.values[field] || null}
      onChange={(value) => form.setFieldValue(field, value ?? '')}
      error={form.errors[field]}
      clearButtonProps={{ 'aria-label': `Clear the ${name}` }}
      submitButtonProps={{ 'aria-label': `Set the ${name}` }}
      ariaLabels={CALENDAR_LABELS}
      // Other months' days and weekend days in their lighter colours fall short of the contrast a
      // label needs: the first are left out, the second look like any other day.
      hideOutsideDates
      weekendDays={[]}
      // Days read as dates to a screen reader, not as bare numbers.
      getDayProps={(date) => ({ 'aria-label': DAY_LABEL.format(new Date(`${date}T00:00`)) })}
      timePickerProps={{ 'aria-label': `${label}: hour and minute`, hoursInputLabel: 'Hours', minutesInputLabel: 'Minutes' }}
    />
  );
}

/** Create and edit: the API's field problems (template errors with their line and column) land on their fields. */
export function CampaignForm({
  initial,
  submitLabel,
  onSave,
  onCancel,
}: {
  initial: CampaignFormValues;
  submitLabel: string;
  onSave: (values: CampaignFormValues, changed: (keyof CampaignFormValues)[]) => Promise<unknown>;
  onCancel: () => void;
}) {
  const form = useForm<CampaignFormValues>({
    initialValues: initial,
    validate: {
      title: (v) => (v.trim() ? null : 'Give the campaign a title'),
      subject: (v) => (v.trim() ? null : 'Write the email’s subject'),
      body_html: (v) => (v.trim() ? null : 'Write the email’s HTML body'),
      end_time: (v, values) =>
        v && values.start_time && fromLocalInput(v)! <= fromLocalInput(values.start_time)! ? 'The end must come after the start' : null,
    },
  });
  const other = Object.entries(form.errors).filter(([k]) => !FIELDS.has(k) && k !== '_form');
  const v = form.values;
  const promotion = v.type === 'promotion';
  const live = useLiveRender({
    type: v.type,
    subject: v.subject,
    body_html: v.body_html,
    // As on save: a new HTML body with the old text body re-derives the text.
    body_text: v.body_text.trim() && (form.isDirty('body_text') || !form.isDirty('body_html')) ? v.body_text : null,
    promo_code: promotion && v.promo_code.trim() ? v.promo_code.trim() : null,
  });
  // A refused save names the problem; while typing, the live check does.
  const liveErrors = Object.fromEntries(live.problems.map((p) => [p.field, p.message]));
  const errorOf = (field: keyof CampaignFormValues) => (form.errors[field] as string | undefined) ?? liveErrors[field];

  const subjectRef = useRef<HTMLInputElement>(null);
  const insertInSubject = (text: string) => {
    const el = subjectRef.current;
    const current = form.getValues().subject;
    const start = el?.selectionStart ?? current.length;
    const end = el?.selectionEnd ?? current.length;
    form.setFieldValue('subject', current.slice(0, start) + text + current.slice(end));
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + text.length, start + text.length);
    });
  };

  const submit = form.onSubmit(async (values) => {
    const changed = (Object.keys(values) as (keyof CampaignFormValues)[]).filter((k) => form.isDirty(k));
    // A type change also decides whether the promo code is kept.
    if (changed.includes('type') && !changed.includes('promo_code')) changed.push('promo_code');
    try {
      await onSave(values, changed);
    } catch (err) {
      const byField = fieldErrors(err);
      form.setErrors({ ...byField, _form: describeError(err) });
      const first = Object.keys(byField).find((k) => FIELDS.has(k));
      if (first) document.querySelector<HTMLElement>(`[data-field="${first}"]`)?.focus();
      if (!(err instanceof ApiError)) throw err;
    }
  });

  return (
    <Grid gap="md">
      <Grid.Col span={{ base: 12, md: 6 }}>
        <Paper withBorder p="lg" component="form" onSubmit={submit} noValidate aria-label="Campaign">
          <Stack>
            <Radio.Group label="Type" required {...form.getInputProps('type')}>
              <Group mt="xs">
                <Radio value="promotion" label="Promotion" />
                <Radio value="campaign" label="Campaign" />
              </Group>
            </Radio.Group>
            <TextInput label="Title" description="For you and the admins; customers see it with the offer" required data-field="title" {...form.getInputProps('title')} />
            <Textarea label="Description" description="Shown to customers with the offer" autosize minRows={2} data-field="description" {...form.getInputProps('description')} />
            <TextInput
              ref={subjectRef}
              label="Subject"
              description="Variables such as {{first_name}} are filled in for each person"
              required
              data-field="subject"
              styles={errorStyles}
              rightSectionWidth={118}
              rightSectionPointerEvents="all"
              rightSection={<VariablePicker compact label="Insert variable" promotion={promotion} onPick={insertInSubject} />}
              {...form.getInputProps('subject')}
              error={errorOf('subject')}
            />
            <BodyEditor
              value={v.body_html}
              onChange={(html) => form.setFieldValue('body_html', html)}
              error={errorOf('body_html')}
              promotion={promotion}
            />
            <Textarea
              label="Text body"
              description="Optional: left empty, it is made from the HTML"
              autosize
              minRows={3}
              maxRows={16}
              data-field="body_text"
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13, color: 'var(--mantine-color-text)' }, ...errorStyles }}
              {...form.getInputProps('body_text')}
              error={errorOf('body_text')}
            />
            {promotion && <TextInput label="Promo code" data-field="promo_code" {...form.getInputProps('promo_code')} error={errorOf('promo_code')} />}
            <Group grow align="flex-start" wrap="wrap">
              <TimeField form={form} field="start_time" label="Start time" description="Empty: as soon as it is approved" />
              <TimeField form={form} field="end_time" label="End time" description="Empty: no end" />
            </Group>
            {form.errors._form && (
              <Alert color="red" variant="light" role="alert" title={String(form.errors._form)}>
                {other.length > 0 && (
                  <List size="sm">
                    {other.map(([k, val]) => (
                      <List.Item key={k}>
                        {k}: {String(val)}
                      </List.Item>
                    ))}
                  </List>
                )}
              </Alert>
            )}
            <Group>
              <Button type="submit" loading={form.submitting}>
                {submitLabel}
              </Button>
              <Button variant="default" onClick={onCancel}>
                Cancel
              </Button>
            </Group>
          </Stack>
        </Paper>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 6 }}>
        <Box style={{ position: 'sticky', top: 76 }}>
          <LivePreview live={live} />
        </Box>
      </Grid.Col>
    </Grid>
  );
}
