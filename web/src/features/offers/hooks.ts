import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

/** The offers a customer may see now: live campaigns and promotions (the public view). */
export function useOffers() {
  return useQuery({
    queryKey: ['offers'],
    queryFn: async () => (await unwrap(api.GET('/v1/campaigns', { params: { query: { page: 1, per_page: 100 } } }))).data,
  });
}
