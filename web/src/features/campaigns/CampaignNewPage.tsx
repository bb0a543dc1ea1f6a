import { useNavigate } from 'react-router';
import { PageFrame } from '../../components/PageFrame';
import { CampaignForm, formValues, toBody, type CampaignFormValues } from './CampaignForm';
import { useCreateCampaign } from './hooks';
import type { CampaignInput } from './types';

const ALL = Object.keys(formValues()) as (keyof CampaignFormValues)[];

export default function CampaignNewPage() {
  const create = useCreateCampaign();
  const navigate = useNavigate();
  return (
    <PageFrame title="New campaign" maxWidth={1400}>
      <CampaignForm
        initial={formValues()}
        submitLabel="Save draft"
        onCancel={() => navigate('/campaigns')}
        onSave={async (values) => {
          const c = await create.mutateAsync(toBody(values, ALL) as CampaignInput);
          navigate(`/campaigns/${c.id}`);
        }}
      />
    </PageFrame>
  );
}
